package io.mqttbridge.broker.auth;

import io.mqttbridge.broker.listener.TestCertificates;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.MqttVersion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CertificateAuthenticatorTest {

    @TempDir
    static java.nio.file.Path dir;
    static X509Certificate device;
    static X509Certificate cnOnly;

    @BeforeAll
    static void certificates() throws Exception {
        TestCertificates certs = TestCertificates.create(dir);
        certs.client("device", "ca", "device-cn", "DNS:dev.example,URI:urn:device:d-7,email:d7@example.org");
        certs.client("plain", "ca", "plain-cn", null);
        device = certs.certificate("device");
        cnOnly = certs.certificate("plain");
    }

    private static AuthenticationRequest request(String clientId, X509Certificate certificate, String username,
                                                 String password) {
        return new AuthenticationRequest(clientId, username,
                password == null ? null : password.getBytes(StandardCharsets.UTF_8),
                new InetSocketAddress("127.0.0.1", 5000), certificate, MqttVersion.MQTT_5);
    }

    private static AuthenticationResult authenticate(CertificateAuthConfig config, AuthenticationRequest request) {
        return new CertificateAuthenticator(config).authenticate(request).join();
    }

    private static String deviceId(AuthenticationResult result) {
        assertThat(result).isInstanceOf(AuthenticationResult.Success.class);
        return ((AuthenticationResult.Success) result).identity().deviceId();
    }

    @Test
    void commonNameBecomesTheDeviceIdByDefault() {
        assertThat(deviceId(authenticate(new CertificateAuthConfig(), request("device-cn", device, null, null))))
                .isEqualTo("device-cn");
    }

    @Test
    void theCertificatesIdentityIsRecordedAsTheUserNameNotTheOneTheClientSent() {
        AuthenticationResult result = authenticate(new CertificateAuthConfig(),
                request("device-cn", device, "someone-else", null));
        assertThat(((AuthenticationResult.Success) result).identity().username()).isEqualTo("device-cn");
    }

    @Test
    void configuredSubjectAltNameBecomesTheDeviceIdWithItsPrefixCut() {
        CertificateAuthConfig uri = new CertificateAuthConfig();
        uri.setIdentityField(CertificateAuthConfig.IdentityField.SAN_URI);
        uri.setSanPrefix("urn:device:");
        uri.setClientIdPattern("*");
        assertThat(deviceId(authenticate(uri, request("c", device, null, null)))).isEqualTo("d-7");
        CertificateAuthConfig dns = new CertificateAuthConfig();
        dns.setIdentityField(CertificateAuthConfig.IdentityField.SAN_DNS);
        dns.setClientIdPattern("*");
        assertThat(deviceId(authenticate(dns, request("c", device, null, null)))).isEqualTo("dev.example");
        CertificateAuthConfig email = new CertificateAuthConfig();
        email.setIdentityField(CertificateAuthConfig.IdentityField.SAN_EMAIL);
        email.setClientIdPattern("*");
        assertThat(deviceId(authenticate(email, request("c", device, null, null)))).isEqualTo("d7@example.org");
    }

    @Test
    void missingCertificateOrFieldPassesToTheNextMethodAsBadCredentials() {
        CertificateAuthConfig uri = new CertificateAuthConfig();
        uri.setIdentityField(CertificateAuthConfig.IdentityField.SAN_URI);
        assertThat(authenticate(uri, request("c", cnOnly, null, null)))
                .isEqualTo(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
        assertThat(authenticate(new CertificateAuthConfig(), request("c", null, null, null)))
                .isEqualTo(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
    }

    @Test
    void byDefaultTheClientIdMustEqualTheCertificateIdentity() {
        CertificateAuthConfig config = new CertificateAuthConfig();
        assertThat(authenticate(config, request("someone-else", device, null, null)))
                .isEqualTo(AuthenticationResult.refused(Refusal.CLIENT_ID_NOT_ALLOWED));
        assertThat(deviceId(authenticate(config, request("device-cn", device, null, null)))).isEqualTo("device-cn");
    }

    @Test
    void aClientIdTemplateAllowsOnlyClientIdsDerivedFromTheIdentity() {
        CertificateAuthConfig config = new CertificateAuthConfig();
        config.setClientIdPattern("%u-*");
        assertThat(deviceId(authenticate(config, request("device-cn-a", device, null, null)))).isEqualTo("device-cn");
        assertThat(authenticate(config, request("device-cn", device, null, null)))
                .isEqualTo(AuthenticationResult.refused(Refusal.CLIENT_ID_NOT_ALLOWED));
        assertThat(authenticate(config, request("other-a", device, null, null)))
                .isEqualTo(AuthenticationResult.refused(Refusal.CLIENT_ID_NOT_ALLOWED));
        config.setClientIdPattern("*");
        assertThat(deviceId(authenticate(config, request("anything", device, null, null)))).isEqualTo("device-cn");
    }

    @Test
    void aClientIdPatternWithoutTheIdentityIsRefusedNamingTheKey() {
        CertificateAuthConfig config = new CertificateAuthConfig();
        config.setClientIdPattern("fixed-id");
        assertThatThrownBy(config::validate).hasMessageContaining("clientIdPattern");
    }

    @Test
    void requiredPasswordMustBelongToTheCertificatesDevice() {
        CertificateAuthConfig config = new CertificateAuthConfig();
        config.setPasswordRequired(true);
        config.setClientIdPattern("*");
        Authenticator passwords = request -> CompletableFuture.completedFuture(
                "secret".equals(new String(request.password() == null ? new byte[0] : request.password(), StandardCharsets.UTF_8))
                        ? AuthenticationResult.success(new DeviceIdentity(request.username(), request.username(), request.clientId(), null))
                        : AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
        CertificateAuthenticator authenticator = new CertificateAuthenticator(config, passwords);
        assertThat(deviceId(authenticator.authenticate(request("c", device, "device-cn", "secret")).join()))
                .isEqualTo("device-cn");
        assertThat(authenticator.authenticate(request("c", device, "device-cn", "wrong")).join())
                .isEqualTo(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
        assertThat(authenticator.authenticate(request("c", device, "other-user", "secret")).join())
                .isEqualTo(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
    }

    @Test
    void requiredPasswordWithoutPasswordAuthenticatorIsAConfigurationError() {
        CertificateAuthConfig config = new CertificateAuthConfig();
        config.setPasswordRequired(true);
        config.setClientIdPattern("*");
        assertThatThrownBy(() -> new CertificateAuthenticator(config))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("passwordRequired");
    }
}
