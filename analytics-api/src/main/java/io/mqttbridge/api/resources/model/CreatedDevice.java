package io.mqttbridge.api.resources.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The answer to a device creation.
 *
 * @param generatedPassword the generated MQTT password, shown this once; absent when the request gave one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreatedDevice(DeviceDetails device, String generatedPassword) {
}
