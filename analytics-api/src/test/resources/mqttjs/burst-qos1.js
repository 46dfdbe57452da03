// MQTT.js 5 (the console's copy) publishing a burst of QoS 1 messages without waiting for each, past
// the broker's announced Receive Maximum (MQTT.js does not hold back at it). Prints the number of
// messages acknowledged and of disconnects seen, then exits. Arguments: mqtt module path, port, count.
const mqtt = require(process.argv[2]);
const count = Number(process.argv[4]);
let disconnects = 0;
const pub = mqtt.connect(`mqtt://127.0.0.1:${process.argv[3]}`,
  {protocolVersion: 5, clientId: 'mqttjs-burst', reconnectPeriod: 0});
pub.on('disconnect', (packet) => { disconnects++; console.log('disconnect 0x' + packet.reasonCode.toString(16)); });
pub.on('close', () => { if (acked < count) { console.log('closed after ' + acked + ' acks'); process.exit(3); } });
let acked = 0;
pub.on('connect', async () => {
  const sends = [];
  for (let i = 0; i < count; i++) {
    sends.push(pub.publishAsync('burst/t', 'm' + i, {qos: 1}).then(() => { acked++; }));
  }
  await Promise.all(sends);
  console.log(JSON.stringify({acked, disconnects}));
  process.exit(0);
});
setTimeout(() => { console.log('timed out after ' + acked + ' acks'); process.exit(2); }, 25000);
