/**
 * SUBSCRIBE (permissions, shared subscriptions, subscription limits, retained delivery) and
 * UNSUBSCRIBE.
 */
package io.mqttbridge.broker.handler.subscribe;
