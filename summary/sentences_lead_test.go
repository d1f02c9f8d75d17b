package summary

import "testing"

func TestSentencesInScriptsWithoutCase(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		want       int
	}{
		{"Korean", "시작은 엘제이의 일방적인 사진 공개로부터 비롯됐다. 그건 이 사안을 두고 벌어진 일이다. 대중들의 반응은 비판적이었다.", 3},
		{"Japanese", "東京で会議が開かれた。首相が演説した。参加者は百人だった。", 3},
		{"Arabic", "وافق المجلس على الخطة. وقال رئيس المجلس إن القرار جاء بعد مشاورة. وتبدأ الأعمال في مارس.", 3},
		{"English keeps abbreviations", "Mr. Smith met Dr. Jones. They talked.", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sentences(tt.text); len(got) != tt.want {
				t.Fatalf("Sentences(%q) = %d %q, want %d", tt.text, len(got), got, tt.want)
			}
		})
	}
}
