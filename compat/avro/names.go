package avro

import "sort"

// nameIndex finds a record's field or an enum's symbol by name. A map per
// record cost more than the rest of a parsed schema (a Go map of 20 entries
// weighs ~1.5 KB), so small lists are scanned and larger ones keep only a
// permutation sorted by name, 4 bytes per name, for a binary search.
type nameIndex struct {
	// sorted holds the positions of the names in name order; nil when there
	// are at most linearNames names.
	sorted []int32
}

// linearNames is the length up to which a scan beats a binary search.
const linearNames = 12

// newNameIndex indexes the n names given by name(i).
func newNameIndex(n int, name func(int) string) nameIndex {
	if n <= linearNames {
		return nameIndex{}
	}
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(i)
	}
	sort.SliceStable(s, func(a, b int) bool { return name(int(s[a])) < name(int(s[b])) })
	return nameIndex{sorted: s}
}

// find returns the position of key among the n names given by name(i), the
// first one when names repeat.
func (x nameIndex) find(key string, n int, name func(int) string) (int, bool) {
	if x.sorted == nil {
		for i := range n {
			if name(i) == key {
				return i, true
			}
		}
		return 0, false
	}
	j := sort.Search(len(x.sorted), func(j int) bool { return name(int(x.sorted[j])) >= key })
	if j < len(x.sorted) && name(int(x.sorted[j])) == key {
		return int(x.sorted[j]), true
	}
	return 0, false
}

// field returns the position of the field named key.
func (n *node) field(key string) (int, bool) {
	return n.fieldNames.find(key, len(n.fields), func(i int) string { return n.fields[i].name })
}

// fieldBytes is field for a key still in the payload's bytes; it does not
// allocate.
func (n *node) fieldBytes(key []byte) (int, bool) {
	if n.fieldNames.sorted == nil {
		for i, f := range n.fields {
			if f.name == string(key) {
				return i, true
			}
		}
		return 0, false
	}
	s := n.fieldNames.sorted
	j := sort.Search(len(s), func(j int) bool { return n.fields[s[j]].name >= string(key) })
	if j < len(s) && n.fields[s[j]].name == string(key) {
		return int(s[j]), true
	}
	return 0, false
}

// hasSymbol reports whether the enum has the symbol key.
func (n *node) hasSymbol(key string) bool {
	_, ok := n.symbolNames.find(key, len(n.symbols), func(i int) string { return n.symbols[i] })
	return ok
}

// hasSymbolBytes is hasSymbol for a key still in the payload's bytes; it does
// not allocate.
func (n *node) hasSymbolBytes(key []byte) bool {
	if n.symbolNames.sorted == nil {
		for _, s := range n.symbols {
			if s == string(key) {
				return true
			}
		}
		return false
	}
	s := n.symbolNames.sorted
	j := sort.Search(len(s), func(j int) bool { return n.symbols[s[j]] >= string(key) })
	return j < len(s) && n.symbols[s[j]] == string(key)
}
