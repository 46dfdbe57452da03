package io.mqttbridge.broker.auth.scram.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScramMessagesTest {

    @Test
    void aClientFirstMessageIsSplitIntoHeaderNameNonceAndBareMessage() throws Exception {
        ScramMessages.ClientFirst first = ScramMessages.parseClientFirst("n,,n=dev=2Cice=3D1,r=abc");

        assertThat(first.gs2Header()).isEqualTo("n,,");
        assertThat(first.username()).isEqualTo("dev,ice=1");
        assertThat(first.clientNonce()).isEqualTo("abc");
        assertThat(first.bare()).isEqualTo("n=dev=2Cice=3D1,r=abc");
    }

    @Test
    void anAuthorizationIdentityEqualToTheUserIsAccepted() throws Exception {
        assertThat(ScramMessages.parseClientFirst("n,a=dev,n=dev,r=abc").gs2Header()).isEqualTo("n,a=dev,");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "n", "n,,", "x,,n=a,r=b", "p=tls-unique,,n=a,r=b", "n,,r=b,n=a", "n,,n=,r=b",
            "n,,n=a=2X,r=b", "n,,n=a,r=", "n,,n=a,r=b c", "n,,m=ext,n=a,r=b", "n,a=other,n=a,r=b", "n,z,n=a,r=b"})
    void malformedClientFirstMessagesAreRefused(String message) {
        assertThatThrownBy(() -> ScramMessages.parseClientFirst(message))
                .isInstanceOf(ScramMessages.MalformedScramMessage.class);
    }

    @Test
    void aClientFinalMessageKeepsTheTextBeforeTheProof() throws Exception {
        ScramMessages.ClientFinal last = ScramMessages.parseClientFinal("c=biws,r=abcdef,p=AAEC");

        assertThat(last.withoutProof()).isEqualTo("c=biws,r=abcdef");
        assertThat(last.nonce()).isEqualTo("abcdef");
        assertThat(new String(last.channelBinding())).isEqualTo("n,,");
        assertThat(last.proof()).containsExactly(0, 1, 2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"c=biws,r=abc", "r=abc,c=biws,p=AA==", "c=!!,r=abc,p=AA==", "c=biws,r=abc,p=!!", "c=biws,p=AA=="})
    void malformedClientFinalMessagesAreRefused(String message) {
        assertThatThrownBy(() -> ScramMessages.parseClientFinal(message))
                .isInstanceOf(ScramMessages.MalformedScramMessage.class);
    }

    @Test
    void overlongMessagesAreRefused() {
        String longName = "a".repeat(ScramMessages.MAX_MESSAGE_LENGTH);
        assertThatThrownBy(() -> ScramMessages.parseClientFirst("n,,n=" + longName + ",r=b"))
                .isInstanceOf(ScramMessages.MalformedScramMessage.class);
    }
}
