-- audit.sql — GET /api/alerts/audit: the audit log (sql/schema/575_audit.sql), CEO only.
CREATE OR REPLACE FUNCTION api.alerts_audit(p_user int, p_role text, p_action text DEFAULT NULL,
                                            p_actor_type text DEFAULT NULL, p_actor_id int DEFAULT NULL,
                                            p_from date DEFAULT NULL, p_to date DEFAULT NULL,
                                            p_after bigint DEFAULT NULL, p_before bigint DEFAULT NULL,
                                            p_limit int DEFAULT 50)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_role IS DISTINCT FROM 'ceo' THEN
        RAISE EXCEPTION USING ERRCODE = 'NS403', MESSAGE = 'only the ceo may read the audit log';
    END IF;
    RETURN audit_list(p_action => p_action, p_actor_type => p_actor_type, p_actor_id => p_actor_id,
                      p_from => p_from, p_to => p_to, p_after => p_after, p_before => p_before,
                      p_limit => p_limit);
END
$$;
