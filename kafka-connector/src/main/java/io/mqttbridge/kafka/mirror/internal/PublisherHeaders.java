package io.mqttbridge.kafka.mirror.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Objects;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The client id and user name of recent publishers, encoded once as record headers (and the client
 * id's bytes as the default record key), so that a connection's records share them instead of
 * encoding and allocating them again for every message.
 *
 * <p>A direct-mapped cache of {@value #SLOTS} entries indexed by the client id's hash: a hit needs the
 * same client id and the same user name (the strings of one connection are the same instances, so the
 * comparison is usually an identity check), so a re-authentication that changes the user name gets a
 * new entry at once. Two publishers whose ids share a slot replace each other's entry and only lose
 * the saving, never correctness.
 *
 * <p>Threading: safe for any number of threads without locks. Entries are immutable (final fields),
 * so an entry written by one thread is seen complete by any other; a lost race costs one allocation.
 * The headers handed out must never be modified: Kafka only reads a {@link RecordHeader} made from a
 * String key and a byte array.
 */
public final class PublisherHeaders {

    static final int SLOTS = 4096;

    /** One publisher's encoded identity. Either header is null when the field is. */
    public record Entry(String clientId, String username, byte[] clientIdUtf8, byte[] usernameUtf8,
                        Header clientIdHeader, Header usernameHeader) {

        static Entry of(String clientId, String username) {
            byte[] id = clientId == null ? null : clientId.getBytes(UTF_8);
            byte[] user = username == null ? null : username.getBytes(UTF_8);
            return new Entry(clientId, username, id, user,
                    id == null ? null : new RecordHeader(MirrorHeaders.CLIENT_ID, id),
                    user == null ? null : new RecordHeader(MirrorHeaders.USERNAME, user));
        }
    }

    private final Entry[] slots = new Entry[SLOTS];

    /** The entry for this client id and user name (either may be null), from the cache or new. */
    public Entry of(String clientId, String username) {
        int hash = clientId == null ? 0 : clientId.hashCode();
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
        Entry entry = slots[slot];
        if (entry != null && Objects.equals(entry.clientId, clientId) && Objects.equals(entry.username, username)) {
            return entry;
        }
        entry = Entry.of(clientId, username);
        slots[slot] = entry;
        return entry;
    }
}
