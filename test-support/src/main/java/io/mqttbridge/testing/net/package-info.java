/** Network helpers for tests that start processes of their own. */
package io.mqttbridge.testing.net;
