package sim

import (
	"errors"
	"strings"
)

// SplitPipeline splits "yes | head -n 1" into two command lines at the one
// "|" outside quotes, and each with SplitCommand. A line without such a
// "|" gives ok false (run it with SplitCommand). More than one "|" is
// refused: proctui joins two programs, as the simplest shell pipeline does.
func SplitPipeline(line string) (left, right []string, ok bool, err error) {
	cut := -1
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '\\':
			i++
		case c == '|':
			if cut >= 0 {
				return nil, nil, false, errors.New("proctui joins two programs with one |; for longer pipelines use sh -c '…'")
			}
			cut = i
		}
	}
	if cut < 0 {
		return nil, nil, false, nil
	}
	if left, err = SplitCommand(line[:cut]); err != nil {
		return nil, nil, false, err
	}
	if right, err = SplitCommand(line[cut+1:]); err != nil {
		return nil, nil, false, err
	}
	if len(left) == 0 || len(right) == 0 {
		return nil, nil, false, errors.New("a pipe needs a program on each side of the |")
	}
	if strings.Contains(line[cut+1:], "||") {
		return nil, nil, false, errors.New("|| is shell syntax; use sh -c '…'")
	}
	return left, right, true, nil
}
