/**
 * The REST resources: devices, sessions, live clients, message history, topics, statistics and the
 * OpenAPI document.
 */
package io.mqttbridge.api.resources;
