package photo_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/bottletrail/bottletrail/internal/photo"
	"github.com/bottletrail/bottletrail/internal/trail"
)

func ExampleProcess() {
	f, err := os.Open("testdata/lossless.webp")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	p, err := photo.Process(f)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Width, p.Height, p.ContentType)

	// A PDF is refused whatever it is called.
	_, err = photo.Process(strings.NewReader("%PDF-1.7\n"))
	fmt.Println(trail.ErrorCode(err), trail.ErrorMessage(err))
	// Output:
	// 32 16 image/jpeg
	// invalid 仅支持 JPEG、PNG 或 WebP 格式的照片 / only JPEG, PNG or WebP photos are accepted
}
