// Package catalog models domains, services, events, flows and teams, their declared
// and observed edges, graph extraction and layout, and the AsyncAPI mapping.
package catalog

// Service is the catalog; its implementation comes with the catalog issue.
type Service struct{}
