/**
 * The operating system as a test fixture: system tools run for a test's set-up, and a small file
 * system of its own to fill.
 */
package io.mqttbridge.testing.os;
