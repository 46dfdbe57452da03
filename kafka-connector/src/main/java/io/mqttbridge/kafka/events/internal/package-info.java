/**
 * The JSON form of session events.
 */
package io.mqttbridge.kafka.events.internal;
