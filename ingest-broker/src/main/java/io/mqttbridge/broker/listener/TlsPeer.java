package io.mqttbridge.broker.listener;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/** The TLS client certificate of a connection, as verified during the handshake. */
public final class TlsPeer {

    private TlsPeer() {
    }

    /**
     * @return the client's verified leaf certificate, or {@code null} when the connection is not TLS
     *     or the client presented none. Only call after the handshake (e.g. when CONNECT arrives).
     */
    public static X509Certificate verifiedCertificate(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? x509 : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
