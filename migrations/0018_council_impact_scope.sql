-- The council may hold every scope (src/domain/scopes.c): migration 0017
-- added manage:impact-assessments after 0014 listed the council's, so the
-- database's copy of the rule learns it here.
INSERT INTO organisation_kind_scopes (kind, scope) VALUES ('council', 'manage:impact-assessments')
ON CONFLICT DO NOTHING;

-- Impact assessments tell the change feed and the response caches of every
-- instance when they change, as every other table does (0011): the C code
-- sends no NOTIFY of its own.  They belong to the action plan's area.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['impact_assessments', 'impact_assessment_versions'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                       t || '_changed_ins', t, 'action_plan');
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                       t || '_changed_upd', t, 'action_plan');
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION eq_changed_rows(%L)',
                       t || '_changed_del', t, 'action_plan');
    END LOOP;
END;
$$;
