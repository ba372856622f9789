package catalog

import (
	"context"
	"fmt"
)

// ClientEdges returns what a client sends and receives, as ServiceEdges does,
// for any name: a declared service, or a client only the broker saw. An
// observed client that the catalog does not declare has a page too, so that
// the links of its edges lead somewhere. Errors: ErrNotFound when the catalog
// neither declares the name nor has seen it.
func (s *Service) ClientEdges(ctx context.Context, name string) (sends, receives []Edge, declared bool, err error) {
	sn := s.snapshot()
	_, declared = sn.services[name]
	sends, receives = s.edgesOf(ctx, sn, name)
	if !declared && len(sends) == 0 && len(receives) == 0 {
		return nil, nil, false, fmt.Errorf("client %q: %w", name, ErrNotFound)
	}
	return sends, receives, declared, nil
}
