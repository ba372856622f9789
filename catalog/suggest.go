package catalog

import "github.com/heraldhq/herald/internal/editdist"

// editDistance is how far apart two names are, for suggest's "did you mean".
func editDistance(a, b string) int { return editdist.Between(a, b) }
