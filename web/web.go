// Package web holds the embedded templates and static assets of the catalog pages.
package web
