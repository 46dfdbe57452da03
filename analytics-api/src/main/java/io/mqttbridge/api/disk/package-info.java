/**
 * Keeping the embedded stores' disk from filling: {@link io.mqttbridge.api.disk.DiskSpaceGuard} watches
 * the free space, {@link io.mqttbridge.api.disk.DiskGuardedSink} refuses new messages while it is short.
 */
package io.mqttbridge.api.disk;
