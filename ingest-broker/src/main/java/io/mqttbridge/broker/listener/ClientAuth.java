package io.mqttbridge.broker.listener;

/** Whether a TLS listener asks connecting clients for a certificate. */
public enum ClientAuth {
    /** No client certificate is requested. */
    NONE,
    /** A certificate is requested; a client without one may still connect, one with an untrusted one may not. */
    OPTIONAL,
    /** Only clients with a certificate issued by a trusted CA may connect. */
    REQUIRED
}
