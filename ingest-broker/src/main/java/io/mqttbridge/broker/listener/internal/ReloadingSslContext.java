package io.mqttbridge.broker.listener.internal;

import io.mqttbridge.broker.listener.TlsConfig;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The current {@link SslContext} of a listener, rebuilt when the content of one of its files
 * changes (compared by SHA-256, so that a same-size replacement within one second is noticed), checked every {@code reloadIntervalSeconds} on a scheduler that is not an
 * event loop. New connections use the newest context; established ones keep theirs. A broken new
 * file set is logged and the previous context stays in use.
 */
public final class ReloadingSslContext {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadingSslContext.class);

    private final TlsConfig tls;
    private final String key;
    private volatile SslContext current;
    private volatile List<String> fingerprint;
    private ScheduledFuture<?> watch;

    /** Loads the files once; @throws IllegalArgumentException naming the key when they cannot be used */
    public ReloadingSslContext(TlsConfig tls, String key) {
        this.tls = tls;
        this.key = key;
        this.fingerprint = fingerprint();
        this.current = SslContexts.build(tls, key);
    }

    public SslContext current() {
        return current;
    }

    /** Starts the periodic check when the configuration asks for one. */
    public void watch(ScheduledExecutorService scheduler) {
        int interval = tls.getReloadIntervalSeconds();
        if (interval > 0) {
            watch = scheduler.scheduleWithFixedDelay(this::reloadIfChanged, interval, interval, TimeUnit.SECONDS);
        }
    }

    public void stopWatching() {
        if (watch != null) {
            watch.cancel(false);
        }
    }

    /** @return whether a new context was loaded */
    public boolean reloadIfChanged() {
        List<String> now = fingerprint();
        if (Objects.equals(now, fingerprint)) {
            return false;
        }
        try {
            current = SslContexts.build(tls, key);
            fingerprint = now;
            LOG.info("Reloaded TLS key and certificates of {}", key);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("Keeping the previous TLS context of {}: {}", key, e.getMessage());
            return false;
        }
    }

    private List<String> fingerprint() {
        List<String> parts = new ArrayList<>();
        for (String path : new String[] {tls.getCertificateFile(), tls.getPrivateKeyFile(), tls.getKeyStoreFile(),
                tls.getTrustedCaFile()}) {
            if (path != null) {
                parts.add(path + ':' + digest(Path.of(path)));
            }
        }
        return parts;
    }

    private static String digest(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            return "unreadable";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
