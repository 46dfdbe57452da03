/**
 * The broker's typed configuration: {@link io.mqttbridge.broker.config.BrokerConfig} with its
 * {@link io.mqttbridge.broker.config.LimitsConfig} and {@link
 * io.mqttbridge.broker.config.QueueOverflowPolicy}. Plain beans with named defaults and validation;
 * they import nothing of the broker but the listener types, so every package may read them.
 */
package io.mqttbridge.broker.config;
