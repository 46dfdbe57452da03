package io.mqttbridge.api.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.mqttbridge.broker.auth.CertificateAuthConfig;
import io.mqttbridge.broker.auth.FileAuthConfig;
import io.mqttbridge.broker.auth.jwt.JwtAuthConfig;
import io.mqttbridge.db.registry.DeviceRegistryConfig;
import jakarta.validation.constraints.NotNull;

/**
 * How MQTT clients are authenticated and authorized, as a chain tried in this order: the verified
 * TLS client certificate (when {@code certificate} is set), a JWT sent as the password (when
 * {@code jwt} is set), the device registry in PostgreSQL (devices managed through the REST API),
 * then the users of the configuration file, which is also where anonymous access is switched on
 * or off.
 */
public class MqttAuthConfig {

    public static final boolean DEFAULT_USE_DEVICE_REGISTRY = true;

    private boolean useDeviceRegistry = DEFAULT_USE_DEVICE_REGISTRY;

    public static final boolean DEFAULT_SCRAM = true;

    /** MQTT 5 enhanced authentication with SCRAM-SHA-256/512 for registry devices (needs the registry). */
    private boolean scram = DEFAULT_SCRAM;

    @NotNull
    private DeviceRegistryConfig deviceRegistry = new DeviceRegistryConfig();

    @NotNull
    private FileAuthConfig file = new FileAuthConfig();

    /** {@code null}: client certificates do not identify devices. */
    private CertificateAuthConfig certificate;

    /** {@code null}: JWT access tokens are not accepted. */
    private JwtAuthConfig jwt;

    @JsonProperty
    public CertificateAuthConfig getCertificate() {
        return certificate;
    }

    @JsonProperty
    public void setCertificate(CertificateAuthConfig certificate) {
        this.certificate = certificate;
    }

    @JsonProperty
    public JwtAuthConfig getJwt() {
        return jwt;
    }

    @JsonProperty
    public void setJwt(JwtAuthConfig jwt) {
        this.jwt = jwt;
    }

    @JsonProperty
    public boolean isScram() {
        return scram;
    }

    @JsonProperty
    public void setScram(boolean scram) {
        this.scram = scram;
    }

    @JsonProperty
    public boolean isUseDeviceRegistry() {
        return useDeviceRegistry;
    }

    @JsonProperty
    public void setUseDeviceRegistry(boolean useDeviceRegistry) {
        this.useDeviceRegistry = useDeviceRegistry;
    }

    @JsonProperty
    public DeviceRegistryConfig getDeviceRegistry() {
        return deviceRegistry;
    }

    @JsonProperty
    public void setDeviceRegistry(DeviceRegistryConfig deviceRegistry) {
        this.deviceRegistry = deviceRegistry;
    }

    @JsonProperty
    public FileAuthConfig getFile() {
        return file;
    }

    @JsonProperty
    public void setFile(FileAuthConfig file) {
        this.file = file;
    }
}
