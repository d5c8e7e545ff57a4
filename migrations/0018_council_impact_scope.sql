-- The council may hold every scope (src/domain/scopes.c): migration 0017
-- added manage:impact-assessments after 0014 listed the council's, so the
-- database's copy of the rule learns it here.
INSERT INTO organisation_kind_scopes (kind, scope) VALUES ('council', 'manage:impact-assessments')
ON CONFLICT DO NOTHING;

-- Tables added after 0011 tell the change feed and the response caches of
-- every instance when they change, with the same statement triggers as
-- 0011's tables: the C code sends no NOTIFY of its own.  One function, so
-- that each later migration names a table and its area only.
CREATE FUNCTION eq_track_changes(tab text, area text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                   tab || '_changed_ins', tab, area);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                   tab || '_changed_upd', tab, area);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                   tab || '_changed_del', tab, area);
END;
$$;

-- Impact assessments belong to the action plan's area.
SELECT eq_track_changes('impact_assessments', 'action_plan');
SELECT eq_track_changes('impact_assessment_versions', 'action_plan');
