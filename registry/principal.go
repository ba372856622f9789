package registry

import "context"

// principalKey is the context key of WithPrincipal.
type principalKey struct{}

// WithPrincipal returns ctx carrying the name of who makes the request, so
// that the versions Register creates under it record it
// (VersionRecord.CreatedBy): the changelog's author.
func WithPrincipal(ctx context.Context, name string) context.Context {
	if name == "" {
		return ctx
	}
	return context.WithValue(ctx, principalKey{}, name)
}

// principalOf returns the name WithPrincipal put in ctx, "" when none.
func principalOf(ctx context.Context) string {
	name, _ := ctx.Value(principalKey{}).(string)
	return name
}
