/**
 * The broker's own statistics under {@code $SYS/}, published as retained messages in the naming
 * Mosquitto made common, so that the dashboards and scripts written for it read this broker too.
 * The topics belong to the broker alone: no client and no downlink may publish there.
 */
package io.mqttbridge.broker.sys;
