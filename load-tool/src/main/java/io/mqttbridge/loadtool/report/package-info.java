/**
 * Reports that compare runs side by side.
 */
package io.mqttbridge.loadtool.report;
