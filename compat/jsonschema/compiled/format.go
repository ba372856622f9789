package compiled

import "strings"

// Formats the events Herald sees carry most (uuid, date, time, date-time,
// email, hostname)
// are recognised here without allocating. Each recogniser is deliberately
// stricter than the full validator's: when it accepts a string, the full
// validator accepts it too; when it does not, the string goes to the schema's
// own check (Schema.FormatCheck), which decides. So the two can never
// disagree, and only unusual spellings (a leap second, a one-digit field the
// full validator tolerates) pay for the slower check.

// nativeFormats are the formats with a recogniser.
var nativeFormats = map[string]func([]byte) bool{
	"uuid":      isUUID,
	"date":      isDate,
	"time":      isTime,
	"date-time": isDateTime,
	"email":     isEmail,
	"hostname":  isHostname,
}

// isUUID accepts 8-4-4-4-12 hex digits.
func isUUID(s []byte) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if hexVal(c) < 0 {
				return false
			}
		}
	}
	return true
}

// digits returns the decimal value of s, or -1 if s is not all digits.
func digits(s []byte) int {
	v := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	return v
}

// isDate accepts YYYY-MM-DD naming a real day (the full validator parses it
// with time.Parse, which checks the day against the month and leap years).
func isDate(s []byte) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	y, m, d := digits(s[:4]), digits(s[5:7]), digits(s[8:])
	if y < 0 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// isTime accepts hh:mm:ss[.frac](Z|z|±hh:mm) without a leap second.
func isTime(s []byte) bool {
	if len(s) < 9 || s[2] != ':' || s[5] != ':' {
		return false
	}
	h, m, sec := digits(s[:2]), digits(s[3:5]), digits(s[6:8])
	if h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59 {
		return false
	}
	s = s[8:]
	if len(s) > 0 && s[0] == '.' {
		n := 1
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 1 {
			return false
		}
		s = s[n:]
	}
	if len(s) == 1 {
		return s[0] == 'Z' || s[0] == 'z'
	}
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return false
	}
	zh, zm := digits(s[1:3]), digits(s[4:6])
	return zh >= 0 && zh <= 23 && zm >= 0 && zm <= 59
}

// isDateTime accepts a date, T or t, and a time.
func isDateTime(s []byte) bool {
	return len(s) >= 20 && (s[10] == 'T' || s[10] == 't') && isDate(s[:10]) && isTime(s[11:])
}

// isEmail accepts a dot-atom local part of 1 to 64 characters, "@" and a
// hostname: no quoted local parts, no address literals.
func isEmail(s []byte) bool {
	at := -1
	for i, c := range s {
		if c == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if len(s) > 254 || at < 1 || at > 64 {
		return false
	}
	local := s[:at]
	if local[0] == '.' || local[len(local)-1] == '.' {
		return false
	}
	for i, c := range local {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.':
			if local[i-1] == '.' {
				return false
			}
		case c < 0x80 && strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
	}
	return isHostname(s[at+1:])
}

// isHostname accepts dot-separated labels of 1 to 63 letters, digits and
// inner hyphens, 253 characters at most, without a trailing dot.
func isHostname(s []byte) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
			continue
		}
		label := s[start:i]
		if len(label) < 1 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		start = i + 1
	}
	return true
}
