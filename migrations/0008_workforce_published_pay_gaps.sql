-- Published pay gaps: figures an employer has already published (its gender,
-- ethnicity or disability pay gap report) loaded as they are, for a snapshot
-- whose pay was not computed from employee rows.  pay_basis 'published'
-- marks them; pay_publication holds the source and publication reference.
-- Stored in the representation GET /v1/workforce/pay-gaps already serves:
-- pay_gaps entries carry "published": true (and no group sizes), and the
-- quartiles are objects {characteristic, quartile, category, share} rather
-- than the [characteristic, quartile, category, count] of computed ones.

ALTER TABLE workforce_snapshots
    DROP CONSTRAINT workforce_snapshots_pay_basis_check,
    ADD CONSTRAINT workforce_snapshots_pay_basis_check
        CHECK (pay_basis IN ('employee_rows', 'none', 'published')),
    ADD COLUMN pay_publication jsonb;

-- Store published figures for p_as_of from
-- {"publication": {...}, "pay_gaps": [...], "quartiles": [...]}.  With no
-- snapshot on that date an empty one (no headcounts, source p_source) is
-- created to hold them.  A snapshot whose pay was computed from employee
-- rows is left alone.  Returns created, replaced, unchanged or computed.
CREATE FUNCTION workforce_publish_pay_gaps(p_as_of date, p_source text, p_doc jsonb,
                                           OUT outcome text)
LANGUAGE plpgsql AS $$
DECLARE
    v_old workforce_snapshots%ROWTYPE;
BEGIN
    SELECT * INTO v_old FROM workforce_snapshots WHERE as_of = p_as_of FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO workforce_snapshots (as_of, source, official, notes, headcount, pay_basis,
                                         pay_gaps, quartiles, pay_publication, content_hash)
        VALUES (p_as_of, p_source, false, '', 0, 'published', p_doc->'pay_gaps',
                p_doc->'quartiles', p_doc->'publication',
                md5('published|' || p_doc::text));
        outcome := 'created';
    ELSIF v_old.pay_basis = 'employee_rows' THEN
        outcome := 'computed';
        RETURN;
    ELSIF v_old.pay_basis = 'published' AND v_old.pay_gaps = p_doc->'pay_gaps'
          AND v_old.quartiles = p_doc->'quartiles'
          AND v_old.pay_publication = p_doc->'publication' THEN
        outcome := 'unchanged';
        RETURN;
    ELSE
        UPDATE workforce_snapshots
           SET pay_basis = 'published', pay_gaps = p_doc->'pay_gaps',
               quartiles = p_doc->'quartiles', pay_publication = p_doc->'publication'
         WHERE id = v_old.id;
        outcome := 'replaced';
    END IF;
    PERFORM pg_notify('eq_data_changed', 'workforce');
END;
$$;
