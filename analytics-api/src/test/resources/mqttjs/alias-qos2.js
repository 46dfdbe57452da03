// MQTT.js 5 (the console's copy) against the broker: a subscriber that allows topic aliases gets QoS 2
// messages. Prints one JSON line per message received, then exits. Arguments: mqtt module path, port.
const mqtt = require(process.argv[2]);
const url = `mqtt://127.0.0.1:${process.argv[3]}`;
const expected = 3;
let received = 0;
const sub = mqtt.connect(url, {protocolVersion: 5, clientId: 'mqttjs-alias-sub', properties: {topicAliasMaximum: 5}});
sub.on('message', (topic, payload, packet) => {
  console.log(JSON.stringify({topic, qos: packet.qos, payload: payload.toString()}));
  if (++received === expected) {
    process.exit(0);
  }
});
sub.on('connect', async () => {
  await sub.subscribeAsync('alias/q2', {qos: 2});
  const pub = mqtt.connect(url, {protocolVersion: 5, clientId: 'mqttjs-alias-pub'});
  pub.on('connect', async () => {
    for (let i = 0; i < expected; i++) {
      await pub.publishAsync('alias/q2', 'm' + i, {qos: 2});
    }
  });
});
setTimeout(() => { console.error('timed out after ' + received + ' messages'); process.exit(2); }, 15000);
