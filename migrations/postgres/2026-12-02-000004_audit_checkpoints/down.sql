DROP TABLE audit_checkpoints;
DROP FUNCTION audit_checkpoints_refuse_change();
DROP TABLE audit_tree_nodes;
