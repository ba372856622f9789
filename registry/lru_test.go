package registry

import "testing"

func TestLRUDropsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	l := newLRU[int, string](2, 1<<62)
	l.put(1, "a", 1)
	l.put(2, "b", 1)
	if _, ok := l.get(1); !ok { // 1 is now the most recently used
		t.Fatal("1 missing")
	}
	l.put(3, "c", 1) // drops 2
	if _, ok := l.get(2); ok {
		t.Error("2 kept, want dropped")
	}
	for k, want := range map[int]string{1: "a", 3: "c"} {
		if v, ok := l.get(k); !ok || v != want {
			t.Errorf("get(%d) = %q, %v; want %q, true", k, v, ok, want)
		}
	}
	l.put(3, "C", 1) // an update does not grow the map
	if v, _ := l.get(3); v != "C" || l.len() != 2 {
		t.Errorf("after update: get(3) = %q, len %d; want C, 2", v, l.len())
	}
	l.remove(1)
	l.removeIf(func(k int) bool { return k == 3 })
	if l.len() != 0 {
		t.Errorf("len = %d after removing everything, want 0", l.len())
	}
	l.put(4, "d", 1) // the list is still sound after removals
	if v, ok := l.get(4); !ok || v != "d" {
		t.Errorf("get(4) = %q, %v; want d, true", v, ok)
	}
}

func TestLRUBoundedByCost(t *testing.T) {
	t.Parallel()
	l := newLRU[int, string](100, 10)
	for k, cost := range []int64{4, 4} {
		if !l.put(k, "v", cost) {
			t.Fatalf("put(%d) not kept", k)
		}
	}
	if _, ok := l.get(0); !ok { // 1 is now the least recently used
		t.Fatal("0 missing")
	}
	tests := []struct {
		name      string
		key       int
		cost      int64
		kept      bool
		wantKeys  []int
		wantTotal int64
	}{
		{"OverBudgetDropsLeastRecentlyUsed", 2, 4, true, []int{0, 2}, 8},
		{"UpdateReplacesCost", 2, 6, true, []int{0, 2}, 10},
		{"OverBudgetAloneIsNotKept", 3, 11, false, []int{0, 2}, 10},
		{"OverBudgetAloneDropsStaleValue", 2, 11, false, []int{0}, 4},
		{"ExactBudgetDropsEverythingElse", 4, 10, true, []int{4}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if kept := l.put(tt.key, "v", tt.cost); kept != tt.kept {
				t.Errorf("put(%d, cost %d) kept = %v, want %v", tt.key, tt.cost, kept, tt.kept)
			}
			if l.len() != len(tt.wantKeys) || l.totalCost() != tt.wantTotal {
				t.Errorf("len %d, cost %d; want %d, %d", l.len(), l.totalCost(), len(tt.wantKeys), tt.wantTotal)
			}
			for _, k := range tt.wantKeys {
				if _, ok := l.items[k]; !ok {
					t.Errorf("key %d dropped, want kept", k)
				}
			}
		})
	}
}
