/**
 * Will messages and their (delayed) publication.
 */
package io.mqttbridge.broker.will;
