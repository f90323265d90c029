package feeds

import "strconv"

// Real-world oddities, one feed per format: HTML in titles, relative
// links, duplicate GUIDs, items without dates, summaries only, full text.

const rssFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>Latin Post</title>
<link>https://www.latinpost.example/</link>
<description>News</description>
<item>
  <title>Austin &lt;b&gt;speaks&lt;/b&gt; with Shoigu &amp;amp; urges ceasefire</title>
  <link>/articles/austin.html</link>
  <guid isPermaLink="false">lp-1</guid>
  <pubDate>Fri, 13 May 2022 10:00:00 GMT</pubDate>
  <dc:creator>Mary Webber</dc:creator>
  <description>U.S. Defense Secretary Lloyd Austin spoke with his Russian counterpart.</description>
</item>
<item>
  <title>The same GUID again</title>
  <link>/articles/other.html</link>
  <guid isPermaLink="false">lp-1</guid>
  <description>A duplicate that must not become a second article.</description>
</item>
<item>
  <title>Bakery opens on Main Street</title>
  <link>articles/missing.html</link>
  <guid isPermaLink="false">lp-2</guid>
  <description>&lt;p&gt;A new bakery opened on Main Street on Friday.&lt;/p&gt;</description>
</item>
<item>
  <title>Council approves the budget</title>
  <guid isPermaLink="false">lp-3</guid>
  <content:encoded><![CDATA[<p>The council voted 7 to 2 to approve the budget on Thursday.</p><p>The mayor welcomed the vote and promised new bus lines.</p>]]></content:encoded>
</item>
</channel>
</rss>`

// atomFeed renders the Atom feed with the first entry at version v: an
// entry updated in place keeps its id and changes its text and date.
func atomFeed(v string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Harbour &lt;i&gt;Gazette&lt;/i&gt;</title>
  <id>urn:uuid:harbour</id>
  <updated>2022-05-12T08:00:00Z</updated>
  <link href="https://harbour.example/"/>
  <entry>
    <title>Ferry timetable changes</title>
    <id>urn:uuid:ferry</id>
    <link rel="alternate" href="https://harbour.example/ferry"/>
    <updated>2022-05-1` + v + `T09:00:00Z</updated>
    <author><name>Ann Quay</name></author>
    <content type="html">&lt;p&gt;The ferry leaves at ` + v + ` o'clock from now on.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Lighthouse repainted</title>
    <id>urn:uuid:lighthouse</id>
    <content type="text">The lighthouse was repainted red and white.</content>
  </entry>
</feed>`
}

const jsonFeed = `{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Valley Courier",
  "home_page_url": "https://valley.example/",
  "items": [
    {"id": "vc-1", "url": "https://valley.example/dam", "title": "Dam inspection passes",
     "content_text": "Inspectors found the dam sound.\n\nRepairs to the spillway start in June.",
     "date_published": "2022-05-11T07:30:00+02:00", "authors": [{"name": "Jo River"}]},
    {"id": "vc-2", "title": "Market day moves", "summary": "Market day moves to Saturday."}
  ]
}`

// versionedRSS is a small RSS feed whose content is the version n: each
// version adds one item.
func versionedRSS(n int) string {
	s := `<?xml version="1.0"?><rss version="2.0"><channel><title>Politeness Daily</title>`
	for i := range n {
		s += `<item><title>Story ` + strconv.Itoa(i) + `</title><guid>story-` + strconv.Itoa(i) + `</guid>` +
			`<pubDate>Fri, 13 May 2022 0` + strconv.Itoa(i%10) + `:00:00 GMT</pubDate>` +
			`<description>Story number ` + strconv.Itoa(i) + `.</description>` +
			`<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">Full text of story ` + strconv.Itoa(i) + `.</content:encoded></item>`
	}
	return s + `</channel></rss>`
}
