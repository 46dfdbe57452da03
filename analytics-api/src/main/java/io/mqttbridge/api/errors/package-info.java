/**
 * Every error of the REST API as an RFC 9457 problem+json response: the exception mappers and the
 * {@link io.mqttbridge.api.errors.Problem} body.
 */
package io.mqttbridge.api.errors;
