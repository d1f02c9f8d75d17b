// Package extract fetches web pages safely and turns them into article text and metadata.
//
// It sits at the start of the pipeline: the extract worker calls [Fetcher.Fetch] for the URL an
// editor submitted, then [Extract] on the page; an editor's pasted text goes through
// [FromText] instead. Every failure is an *[Error] with a Reason an editor can read and a
// Permanent method the worker uses to choose between retrying and failing the article.
//
// The fetcher refuses loopback, private, link-local and metadata addresses at dial time (after
// DNS, on every redirect hop), ignores proxies from the environment, follows at most five
// redirects, accepts only HTML, caps the decompressed body at 5 MiB and decodes the page to
// UTF-8. Extraction parses the page once, reads metadata (JSON-LD, OpenGraph, meta tags,
// <time>), finds the article text, and passes it through a quality gate that refuses
// paywalls, consent walls, bot checks, error pages, listings and navigation.
//
//	f := extract.NewFetcher(extract.FetchOptions{})
//	page, err := f.Fetch(ctx, "https://example.com/news/story")
//	if err != nil {
//		return err // an *extract.Error
//	}
//	u, _ := url.Parse(page.URL)
//	article, err := extract.Extract(page.HTML, u)
package extract
