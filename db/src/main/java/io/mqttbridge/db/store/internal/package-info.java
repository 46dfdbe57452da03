/**
 * The stores' JSON encoding of broker state, the coalescing writer that keeps only the newest
 * state per key, and their threads.
 */
package io.mqttbridge.db.store.internal;
