from core.markdown import render_markdown


def test_script_tags_are_removed():
    html = render_markdown("Hi <script>alert(1)</script>")

    assert "<script" not in html


def test_event_handler_attributes_are_removed():
    html = render_markdown('<img src="x" onerror="alert(1)">\n\n![a](x.png "t")')

    # Raw HTML is shown as text, never as a tag with a live attribute.
    assert '<img src="x" onerror' not in html
    assert '&lt;img src="x" onerror="alert(1)"&gt;' in html
    assert '<img src="x.png" alt="a" title="t">' in html


def test_javascript_links_are_removed():
    html = render_markdown("[click](javascript:alert(1))")

    assert '<a href="javascript:' not in html
    assert "<a " not in html


def test_headings_lists_links_and_code_render():
    html = render_markdown(
        "# Title\n\n- one\n- two\n\n[site](https://example.org)\n\n`code`"
    )

    assert "<h1>Title</h1>" in html
    assert "<li>one</li>" in html
    assert (
        '<a href="https://example.org" rel="nofollow noopener noreferrer">site</a>'
        in html
    )
    assert "<code>code</code>" in html


def test_javascript_links_in_raw_html_attributes_never_survive():
    html = render_markdown(
        '<a href="javascript:alert(1)">x</a> [ok](https://ok.example)'
    )

    assert '<a href="javascript:' not in html
