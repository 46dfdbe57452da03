/**
 * Helpers of the REST resources: parameter parsing, payload encodings, and the bridge from device
 * changes to the running broker.
 */
package io.mqttbridge.api.resources.internal;
