package registry

import "testing"

func TestLRUDropsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	l := newLRU[int, string](2)
	l.put(1, "a")
	l.put(2, "b")
	if _, ok := l.get(1); !ok { // 1 is now the most recently used
		t.Fatal("1 missing")
	}
	l.put(3, "c") // drops 2
	if _, ok := l.get(2); ok {
		t.Error("2 kept, want dropped")
	}
	for k, want := range map[int]string{1: "a", 3: "c"} {
		if v, ok := l.get(k); !ok || v != want {
			t.Errorf("get(%d) = %q, %v; want %q, true", k, v, ok, want)
		}
	}
	l.put(3, "C") // an update does not grow the map
	if v, _ := l.get(3); v != "C" || l.len() != 2 {
		t.Errorf("after update: get(3) = %q, len %d; want C, 2", v, l.len())
	}
	l.remove(1)
	l.removeIf(func(k int) bool { return k == 3 })
	if l.len() != 0 {
		t.Errorf("len = %d after removing everything, want 0", l.len())
	}
	l.put(4, "d") // the list is still sound after removals
	if v, ok := l.get(4); !ok || v != "d" {
		t.Errorf("get(4) = %q, %v; want d, true", v, ok)
	}
}
