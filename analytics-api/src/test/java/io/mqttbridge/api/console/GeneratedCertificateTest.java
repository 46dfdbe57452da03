package io.mqttbridge.api.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratedCertificateTest {

    @TempDir
    Path directory;

    /**
     * The java launcher behind keytool takes any argument starting with "-J" as an option of its own:
     * such a random password made the bridge's first start fail, once in 4,096 starts.
     */
    @ParameterizedTest
    @ValueSource(strings = {"-JIxYdrhazHSb7g_6MBtFRti", "-J-Xmx1m", "-storepass", "plain_Password-1"})
    void aKeyStoreIsMadeWhateverThePasswordLooksLike(String password) throws Exception {
        GeneratedCertificate.KeyStore made = GeneratedCertificate.inDirectory(directory, () -> password);

        assertThat(made.password()).isEqualTo(password);
        KeyStore keyStore = load(made.keyStore(), password);
        assertThat(keyStore.getKey("console-wss", password.toCharArray())).isInstanceOf(PrivateKey.class);
        X509Certificate certificate = (X509Certificate) keyStore.getCertificate("console-wss");
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
    }

    @Test
    void theSecondCallReadsTheKeyStoreAndPasswordTheFirstOneWrote() throws Exception {
        GeneratedCertificate.KeyStore first = GeneratedCertificate.inDirectory(directory);

        GeneratedCertificate.KeyStore second = GeneratedCertificate.inDirectory(directory, () -> "not used");

        assertThat(second).isEqualTo(first);
        assertThat(Files.readString(directory.resolve(GeneratedCertificate.PASSWORD_FILE)).trim())
                .isEqualTo(first.password());
        assertThat(load(second.keyStore(), second.password()).containsAlias("console-wss")).isTrue();
    }

    private static KeyStore load(Path file, String password) throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            keyStore.load(in, password.toCharArray());
        }
        return keyStore;
    }
}
