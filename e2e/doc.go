// Package e2e holds Herald's end-to-end tests: the real `herald` binary, built
// once per run from this repository, driven over HTTP by third-party clients
// (franz-go's pkg/sr, confluent-kafka-go's schema registry client and serdes) and
// by headless Chromium.
//
// It is a module of its own, so that a program importing
// github.com/heraldhq/herald/client never inherits these test-only dependencies
// (confluent-kafka-go with its cloud KMS modules, chromedp) in its module graph.
package e2e
