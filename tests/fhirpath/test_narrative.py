

def test_plain_text_narratives_take_the_fast_path_with_the_same_verdicts() -> None:
    from conformance.fhirpath.narrative import NO_CONTENT, narrative_problems

    assert narrative_problems('<div xmlns="http://www.w3.org/1999/xhtml">Heart rate 72 /min</div>') == ()
    assert narrative_problems('<div xmlns="http://www.w3.org/1999/xhtml">  \n </div>') == (NO_CONTENT,)
    # anything else (markup, entities, other attributes) still goes through the full check
    assert narrative_problems('<div xmlns="http://www.w3.org/1999/xhtml"><script>x</script></div>') != ()
