package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/bottletrail/bottletrail/internal/trail"
)

// secret is text the test inputs hide in their metadata; no output may
// carry it.
const secret = "GPS-SECRET-31.2304N-121.4737E"

var (
	red  = color.RGBA{255, 0, 0, 255}
	blue = color.RGBA{0, 0, 255, 255}
)

// marked returns a blue w×h image whose top-left 10×10 square is red.
func marked(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := blue
			if x < 10 && y < 10 {
				c = red
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// byteOrder is binary.BigEndian or binary.LittleEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifTIFF returns a TIFF structure whose first IFD holds orientation o
// and a GPS IFD whose processing method is secret.
func exifTIFF(bo byteOrder, o int) []byte {
	const ifd0, gpsIFD, text = 8, 8 + 30, 8 + 30 + 18
	var b []byte
	if bo == binary.BigEndian {
		b = append(b, "MM"...)
	} else {
		b = append(b, "II"...)
	}
	b = bo.AppendUint16(b, 42)
	b = bo.AppendUint32(b, ifd0)
	entry := func(tag, typ uint16, count, value uint32) {
		b = bo.AppendUint16(b, tag)
		b = bo.AppendUint16(b, typ)
		b = bo.AppendUint32(b, count)
		b = bo.AppendUint32(b, value)
	}
	b = bo.AppendUint16(b, 2)
	var short [4]byte
	bo.PutUint16(short[:], uint16(o))
	entry(0x0112, 3, 1, bo.Uint32(short[:])) // Orientation, left-justified
	entry(0x8825, 4, 1, gpsIFD)              // GPSInfo
	b = bo.AppendUint32(b, 0)
	b = bo.AppendUint16(b, 1)
	entry(0x001B, 7, uint32(len(secret)), text) // GPSProcessingMethod
	b = bo.AppendUint32(b, 0)
	return append(b, secret...)
}

// withSegment returns the JPEG data with a segment (marker, payload)
// spliced in right after SOI, as cameras write APP1 Exif.
func withSegment(data []byte, marker byte, payload []byte) []byte {
	seg := []byte{0xFF, marker}
	seg = binary.BigEndian.AppendUint16(seg, uint16(2+len(payload)))
	seg = append(seg, payload...)
	out := append([]byte{}, data[:2]...)
	out = append(out, seg...)
	return append(out, data[2:]...)
}

// withExif returns the JPEG data with an APP1 Exif segment of orientation
// o and a GPS IFD.
func withExif(data []byte, bo byteOrder, o int) []byte {
	return withSegment(data, 0xE1, append([]byte("Exif\x00\x00"), exifTIFF(bo, o)...))
}

// chunk returns a PNG chunk of the type and data.
func chunk(typ, data string) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	body := append([]byte(typ), data...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
}

// withChunks returns the PNG data with the chunks spliced in after IHDR.
func withChunks(data []byte, chunks ...[2]string) []byte {
	const afterIHDR = 8 + 25
	out := append([]byte{}, data[:afterIHDR]...)
	for _, c := range chunks {
		out = append(out, chunk(c[0], c[1])...)
	}
	return append(out, data[afterIHDR:]...)
}

// checkClean fails unless data is a JPEG of w×h within MaxSide whose
// markers before the image data hold no APPn or comment segment, and which
// carries no byte of secret's text.
func checkClean(t testing.TB, data []byte, w, h int) image.Image {
	t.Helper()
	if bytes.Contains(data, []byte(secret)) || bytes.Contains(data, []byte("Exif")) {
		t.Fatalf("output carries the input's metadata")
	}
	for i := 2; i+4 <= len(data); {
		marker := data[i+1]
		if marker == 0xDA {
			break
		}
		if marker >= 0xE0 && marker <= 0xEF || marker == 0xFE {
			t.Fatalf("output has metadata segment FF%02X", marker)
		}
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output does not decode as JPEG: %v", err)
	}
	if b := m.Bounds(); b.Dx() != w || b.Dy() != h || max(w, h) > MaxSide {
		t.Fatalf("output is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	return m
}

// isNear reports whether c is within 60 of want in each channel, as JPEG
// keeps a solid colour.
func isNear(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	near := func(v uint32, w uint8) bool { d := int(v>>8) - int(w); return d > -60 && d < 60 }
	return near(r, want.R) && near(g, want.G) && near(b, want.B)
}

func mustProcess(t testing.TB, data []byte) *Photo {
	t.Helper()
	p, err := Process(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	if p.ContentType != "image/jpeg" {
		t.Fatalf("content type %q", p.ContentType)
	}
	return p
}

func TestProcessStripsJPEGMetadata(t *testing.T) {
	in := withExif(encodeJPEG(t, marked(64, 48)), binary.BigEndian, 1)
	in = withSegment(in, 0xFE, []byte(secret))                           // comment
	in = withSegment(in, 0xED, []byte("Photoshop 3.0\x00"+secret))       // APP13 IPTC
	in = withSegment(in, 0xE2, []byte("ICC_PROFILE\x00\x01\x01"+secret)) // APP2
	p := mustProcess(t, in)
	if p.Width != 64 || p.Height != 48 {
		t.Fatalf("Photo is %dx%d", p.Width, p.Height)
	}
	checkClean(t, p.Data, 64, 48)
}

func TestProcessStripsPNGText(t *testing.T) {
	in := withChunks(encodePNG(t, marked(30, 20)),
		[2]string{"tEXt", "Comment\x00" + secret},
		[2]string{"eXIf", string(exifTIFF(binary.BigEndian, 6))},
		[2]string{"iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00" + secret})
	p := mustProcess(t, in)
	m := checkClean(t, p.Data, 30, 20)
	if !isNear(m.At(3, 3), red) || !isNear(m.At(27, 17), blue) {
		t.Fatalf("pixels not kept: %v %v", m.At(3, 3), m.At(27, 17))
	}
}

func TestProcessOrientation(t *testing.T) {
	const w, h = 40, 20
	// corner is where the stored top-left mark must show.
	type corner struct{ right, bottom bool }
	tests := []struct {
		o      int
		bo     byteOrder
		turned bool
		mark   corner
	}{
		{1, binary.BigEndian, false, corner{false, false}},
		{2, binary.LittleEndian, false, corner{true, false}},
		{3, binary.BigEndian, false, corner{true, true}},
		{4, binary.LittleEndian, false, corner{false, true}},
		{5, binary.BigEndian, true, corner{false, false}},
		{6, binary.BigEndian, true, corner{true, false}},
		{6, binary.LittleEndian, true, corner{true, false}},
		{7, binary.LittleEndian, true, corner{true, true}},
		{8, binary.BigEndian, true, corner{false, true}},
		{9, binary.BigEndian, false, corner{false, false}}, // not an orientation
	}
	for _, tt := range tests {
		p := mustProcess(t, withExif(encodeJPEG(t, marked(w, h)), tt.bo, tt.o))
		ow, oh := w, h
		if tt.turned {
			ow, oh = h, w
		}
		m := checkClean(t, p.Data, ow, oh)
		for _, c := range []corner{{false, false}, {true, false}, {false, true}, {true, true}} {
			x, y := 4, 4
			if c.right {
				x = ow - 5
			}
			if c.bottom {
				y = oh - 5
			}
			want := blue
			if c == tt.mark {
				want = red
			}
			if !isNear(m.At(x, y), want) {
				t.Errorf("orientation %d (%v): pixel (%d,%d) is %v, want %v", tt.o, tt.bo, x, y, m.At(x, y), want)
			}
		}
	}
}

func TestProcessScales(t *testing.T) {
	tests := []struct{ w, h, ow, oh int }{
		{4000, 3000, 2048, 1536},
		{3000, 4000, 1536, 2048},
		{2048, 1000, 2048, 1000},
		{300, 200, 300, 200}, // never up
	}
	for _, tt := range tests {
		p := mustProcess(t, encodeJPEG(t, marked(tt.w, tt.h)))
		if p.Width != tt.ow || p.Height != tt.oh {
			t.Errorf("%dx%d became %dx%d, want %dx%d", tt.w, tt.h, p.Width, p.Height, tt.ow, tt.oh)
		}
		checkClean(t, p.Data, tt.ow, tt.oh)
	}
	// A turned phone photo is scaled and shown upright.
	p := mustProcess(t, withExif(encodeJPEG(t, marked(4000, 3000)), binary.LittleEndian, 6))
	if m := checkClean(t, p.Data, 1536, 2048); !isNear(m.At(1533, 2), red) || !isNear(m.At(2, 2), blue) {
		t.Errorf("turned and scaled: pixels %v %v", m.At(1533, 2), m.At(2, 2))
	}
}

func TestProcessWebP(t *testing.T) {
	for _, name := range []string{"lossy.webp", "lossless.webp"} {
		in, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		p := mustProcess(t, in)
		m := checkClean(t, p.Data, 32, 16)
		// Red top-left, blue elsewhere, the transparent corner white.
		white := color.RGBA{255, 255, 255, 255}
		if !isNear(m.At(3, 3), red) || !isNear(m.At(15, 3), blue) || !isNear(m.At(29, 13), white) {
			t.Errorf("%s: pixels %v %v %v", name, m.At(3, 3), m.At(15, 3), m.At(29, 13))
		}
	}
}

// pngHeader returns a PNG of w×h RGBA whose image data is a zlib stream cut
// short: decoding it allocates the image, then fails.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := append([]byte("\x89PNG\r\n\x1a\n"), chunk("IHDR", string(ihdr))...)
	return append(out, chunk("IDAT", "\x78\x9c\x62")...)
}

func TestProcessRefuses(t *testing.T) {
	jpg := encodeJPEG(t, marked(64, 48))
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 64)...)
	tests := []struct {
		name string
		in   []byte
		code string
		msg  string
	}{
		{"empty", nil, trail.EINVALID, "照片是空文件"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), trail.EINVALID, "仅支持 JPEG、PNG 或 WebP"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), trail.EINVALID, "仅支持 JPEG、PNG 或 WebP"},
		{"heic", heic, trail.EINVALID, "仅支持 JPEG、PNG 或 WebP"},
		{"riff not webp", []byte("RIFF\x10\x00\x00\x00WAVEfmt "), trail.EINVALID, "仅支持 JPEG、PNG 或 WebP"},
		{"jpeg magic only", []byte{0xFF, 0xD8, 0xFF}, trail.EINVALID, "照片已损坏"},
		{"truncated jpeg", jpg[:len(jpg)/2], trail.EINVALID, "照片已损坏"},
		{"png header only", []byte("\x89PNG\r\n\x1a\n"), trail.EINVALID, "照片已损坏"},
		{"webp header only", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), trail.EINVALID, "照片已损坏"},
		{"11 MB", append(append([]byte{}, jpg...), make([]byte, 11<<20)...), trail.ETOOLARGE, "照片不能超过 10 MB"},
		{"100000x100000 png", pngHeader(100000, 100000), trail.ETOOLARGE, "照片像素过多"},
		{"8000x8000 png", pngHeader(8000, 8000), trail.ETOOLARGE, "照片像素过多"},
	}
	for _, tt := range tests {
		p, err := Process(bytes.NewReader(tt.in))
		var e *trail.Error
		if !errors.As(err, &e) || e.Code != tt.code || e.Field != "photo" || !strings.HasPrefix(e.Message, tt.msg) {
			t.Errorf("%s: got %v, %v; want %s %q", tt.name, p, err, tt.code, tt.msg)
		}
	}
}

func TestProcessRefusesBombWithoutAllocating(t *testing.T) {
	in := pngHeader(8000, 8000) // 64 megapixels: 256 MB once decoded
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Process(bytes.NewReader(in))
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("refusing allocated %d bytes", n)
	}
	if trail.ErrorCode(err) != trail.ETOOLARGE {
		t.Fatalf("got %v, want too_large", err)
	}
}

func TestProcessSizeLimit(t *testing.T) {
	// Exactly MaxBytes is not too large (it is a damaged JPEG).
	in := append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, MaxBytes-3)...)
	if _, err := Process(bytes.NewReader(in)); trail.ErrorCode(err) != trail.EINVALID {
		t.Fatalf("%d bytes: got %v, want invalid", len(in), err)
	}
	// An endless stream is read only to MaxBytes+1.
	r := &countingReader{}
	if _, err := Process(r); trail.ErrorCode(err) != trail.ETOOLARGE {
		t.Fatalf("endless: got %v, want too_large", err)
	}
	if r.n != MaxBytes+1 {
		t.Fatalf("read %d bytes, want %d", r.n, MaxBytes+1)
	}
}

// countingReader is an endless stream of 0xFF that counts what is read.
type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0xFF
	}
	r.n += len(p)
	return len(p), nil
}

func TestProcessReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := Process(io.MultiReader(bytes.NewReader([]byte{0xFF, 0xD8}), iotestErr{boom}))
	if !errors.Is(err, boom) || trail.ErrorCode(err) != trail.EINTERNAL {
		t.Fatalf("got %v, want the read error", err)
	}
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

func FuzzProcess(f *testing.F) {
	jpg := encodeJPEG(f, marked(24, 16))
	f.Add(jpg)
	f.Add(withExif(jpg, binary.BigEndian, 6))
	f.Add(withExif(jpg, binary.LittleEndian, 8))
	f.Add(withExif(jpg, binary.LittleEndian, 3)[:80])
	f.Add(jpg[:len(jpg)/2])
	f.Add(withChunks(encodePNG(f, marked(24, 16)), [2]string{"tEXt", "k\x00" + secret}))
	f.Add(pngHeader(8000, 8000))
	for _, name := range []string{"lossy.webp", "lossless.webp"} {
		in, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(in)
	}
	f.Add([]byte{})
	f.Add([]byte("%PDF-1.7"))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Process(bytes.NewReader(in))
		if err != nil {
			if c := trail.ErrorCode(err); c != trail.EINVALID && c != trail.ETOOLARGE {
				t.Fatalf("error %v is not invalid or too_large", err)
			}
			return
		}
		checkClean(t, p.Data, p.Width, p.Height)
	})
}

func TestOrientationMalformed(t *testing.T) {
	exif := withExif(encodeJPEG(t, marked(24, 16)), binary.BigEndian, 6)
	if o := orientation(exif); o != 6 {
		t.Fatalf("orientation %d, want 6", o)
	}
	// A cut Exif segment reads as upright.
	for n := range 80 {
		if o := orientation(exif[:n]); o != 1 {
			t.Errorf("cut at %d: orientation %d, want 1", n, o)
		}
	}
}
