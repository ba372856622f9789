// Package client is Herald's Go SDK: a registry client with caches, serde in the
// Confluent wire format, a validating producer and a consumer helper.
package client
