package extract

import (
	"strings"
	"testing"
)

func TestCleanText(t *testing.T) {
	body := "The council approved the barrier on Thursday after a long debate about cost and height, and work starts in the autumn."
	body2 := "Residents welcomed the vote but asked the council to keep the riverside footpath open during the eighteen months of construction."
	links := map[string]bool{
		normTitle("Floods close Mill Street again"):              true,
		normTitle("Council budget: what changes in April"):       true,
		normTitle("Railway bridge repairs delayed"):              true,
		normTitle("MAYOR SAYS BARRIER WILL BE FINISHED BY 2028"): true,
	}
	titles := []string{"Council approves flood barrier", "Council approves flood barrier | The Valley Courier"}
	for _, tt := range []struct {
		name       string
		paras      []string
		want       []string // paragraphs that must remain, in order
		mustRemove []string
	}{
		{
			name:       "the headline, byline and dateline at the top go",
			paras:      []string{"Council approves flood barrier", "By Amira Hassan and Tom Reyes", "Updated: Tue., Nov. 19, 2019 10:43 a.m.", body, body2},
			want:       []string{body, body2},
			mustRemove: []string{"Amira"},
		},
		{
			name:  "a sentence that starts like a byline stays",
			paras: []string{"By Tuesday, the fire had spread to the hills.", body, "May was the wettest month on record."},
			want:  []string{"By Tuesday, the fire had spread to the hills.", body, "May was the wettest month on record."},
		},
		{
			name:       "newsletter, app and social prompts go",
			paras:      []string{body, "Get the day's top headlines delivered to your inbox every morning by subscribing to our newsletter.", body2, "CLICK HERE TO GET THE FOX NEWS APP", "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube."},
			want:       []string{body, body2},
			mustRemove: []string{"inbox", "APP", "Instagram"},
		},
		{
			name:  "reporting that mentions subscriptions and newsletters stays",
			paras: []string{body, "If you just want Disney+, you can sign up for a free 7-day trial.", "The company's newsletter reached two million readers last year.", "Investors subscribed for so many shares that the offer closed early."},
			want:  []string{body, "If you just want Disney+, you can sign up for a free 7-day trial.", "The company's newsletter reached two million readers last year.", "Investors subscribed for so many shares that the offer closed early."},
		},
		{
			name:       "a related-stories label and the linked headlines after it go",
			paras:      []string{body, "Related stories", "Floods close Mill Street again", "Council budget: what changes in April", body2},
			want:       []string{body, body2},
			mustRemove: []string{"Mill Street again"},
		},
		{
			name:       "inline read-more lines and share bars go",
			paras:      []string{body, "READ MORE: Floods close Mill Street again", "Whatsapp Facebook Pinterest Email", body2},
			want:       []string{body, body2},
			mustRemove: []string{"READ MORE", "Whatsapp"},
		},
		{
			name:       "a shouted link to another story goes, shouted reporting stays",
			paras:      []string{body, "MAYOR SAYS BARRIER WILL BE FINISHED BY 2028", body2, "UPDATE: THE VOTE WAS DELAYED BY AN HOUR"},
			want:       []string{body, body2, "UPDATE: THE VOTE WAS DELAYED BY AN HOUR"},
			mustRemove: []string{"MAYOR SAYS"},
		},
		{
			name:       "linked headlines at the very end go",
			paras:      []string{body, body2, "Floods close Mill Street again", "Railway bridge repairs delayed"},
			want:       []string{body, body2},
			mustRemove: []string{"Railway bridge"},
		},
		{
			name:  "a list at the end that is not links stays",
			paras: []string{body, "The tour dates:", "June 9 -- Coral Sky Amphitheatre, West Palm Beach, FL", "June 10 -- MIDFLORIDA Credit Union Amphitheatre, Tampa, FL", "June 14 -- Ameris Bank Amphitheatre, Alpharetta, GA"},
			want:  []string{body, "The tour dates:", "June 9 -- Coral Sky Amphitheatre, West Palm Beach, FL", "June 10 -- MIDFLORIDA Credit Union Amphitheatre, Tampa, FL", "June 14 -- Ameris Bank Amphitheatre, Alpharetta, GA"},
		},
		{
			name:       "captions and credits go",
			paras:      []string{body, "Photo: Reuters", "Source: News agencies", body2, "© 2026 The Valley Courier. All rights reserved."},
			want:       []string{body, body2},
			mustRemove: []string{"Reuters", "agencies", "rights"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanText(strings.Join(tt.paras, "\n\n"), titles, links)
			want := strings.Join(tt.want, "\n\n")
			if got != want {
				t.Errorf("cleanText =\n%s\n\nwant\n%s", got, want)
			}
			for _, s := range tt.mustRemove {
				if strings.Contains(got, s) {
					t.Errorf("cleanText kept %q", s)
				}
			}
		})
	}
}

func TestCleanTextNeverEmpties(t *testing.T) {
	in := "Related stories\n\nPhoto: Reuters"
	if got := cleanText(in, nil, nil); got != in {
		t.Errorf("cleanText(%q) = %q; text that is all debris is left for the quality gate", in, got)
	}
}
