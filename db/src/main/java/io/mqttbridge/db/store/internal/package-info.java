/**
 * The stores' JSON encoding of broker state, the coalescing writer that keeps only the newest
 * state per key, and their threads; the session store's parts: the SQL of each of its tables
 * ({@link io.mqttbridge.db.store.internal.SessionStateRows},
 * {@link io.mqttbridge.db.store.internal.SessionMessageRows},
 * {@link io.mqttbridge.db.store.internal.InboundQos2Rows},
 * {@link io.mqttbridge.db.store.internal.RecoveryMessageRows}), its writes and how a batch of them is
 * applied ({@link io.mqttbridge.db.store.internal.SessionWrite},
 * {@link io.mqttbridge.db.store.internal.SessionWriteBatch}) and its reads
 * ({@link io.mqttbridge.db.store.internal.StoredSessions}).
 */
package io.mqttbridge.db.store.internal;
