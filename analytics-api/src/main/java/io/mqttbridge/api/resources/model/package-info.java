/**
 * The JSON bodies the REST API reads and writes.
 */
package io.mqttbridge.api.resources.model;
