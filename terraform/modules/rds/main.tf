data "aws_partition" "current" {}

locals {
  log_exports = ["postgresql", "upgrade"]
}

################################################################################
# Encryption key
################################################################################

# One key for everything that holds data from this database: storage, Performance Insights, its
# logs and the password parameter, so the execution role decrypts with exactly this key.
module "key" {
  source = "../kms"

  name            = "${var.name}-database"
  description     = "${var.name} database"
  log_group_names = ["/aws/rds/instance/${var.name}/*"] # the exports in local.log_exports

  tags = var.tags
}

# The key used to be a resource of this module. Keeping its address matters most here: a new key
# would replace the database instance.
moved {
  from = aws_kms_key.this
  to   = module.key.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.key.aws_kms_alias.this
}

################################################################################
# Master password
################################################################################

# Ephemeral: generated during apply and handed to two write-only arguments, so neither the plan
# nor the state ever holds it. Bump password_version to rotate.
ephemeral "random_password" "master" {
  length = 40
  # RDS refuses / @ " and space in a master password.
  override_special = "!#$%^&*()-_=+[]{}<>:?"
}

resource "aws_ssm_parameter" "db_password" {
  name             = "/${var.name}/db/password"
  description      = "Master password of ${var.name}; read by the ECS agent (secrets) and by the app"
  type             = "SecureString"
  key_id           = module.key.key_arn
  value_wo         = ephemeral.random_password.master.result
  value_wo_version = var.password_version

  tags = var.tags
}

################################################################################
# Parameter group
################################################################################

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-pg${var.engine_major_version}-"
  family      = "postgres${var.engine_major_version}"
  description = "${var.name}: TLS only, slow-query and connection logging"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.slow_query_ms)
  }

  # DDL only: migrations are visible in the logs without logging every query's parameters.
  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  lifecycle {
    create_before_destroy = true
  }

  tags = var.tags
}

################################################################################
# Instance
################################################################################

resource "aws_db_subnet_group" "this" {
  name        = var.name
  description = "${var.name} database subnets (no route out of the VPC)"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

# RDS would create these on first export without retention or encryption; creating them first
# sets both.
resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(local.log_exports)

  name              = "/aws/rds/instance/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.key.key_arn

  tags = var.tags
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  name                 = "${var.name}-rds-monitoring"
  assume_role_policy   = data.aws_iam_policy_document.monitoring_assume.json
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  role       = aws_iam_role.monitoring[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  # checkov:skip=CKV_AWS_157:Multi-AZ is the multi_az variable: on in prod, off in the low-cost staging.
  # checkov:skip=CKV_AWS_161:IAM authentication is the iam_database_authentication_enabled variable: on in prod.
  # checkov:skip=CKV_AWS_293:Deletion protection is the deletion_protection variable: on in prod, off in staging so it can be destroyed.
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_major_version
  # Minor versions follow AWS in the maintenance window; a major upgrade is a deliberate change
  # of engine_major_version (and of the parameter group family with it).
  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false
  instance_class              = var.instance_class

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = module.key.key_arn

  db_name             = var.db_name
  username            = var.username
  password_wo         = ephemeral.random_password.master.result
  password_wo_version = var.password_version
  port                = 5432

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [var.security_group_id]
  publicly_accessible    = false
  multi_az               = var.multi_az
  parameter_group_name   = aws_db_parameter_group.this.name

  iam_database_authentication_enabled = var.iam_database_authentication_enabled

  backup_retention_period   = var.backup_retention_days
  backup_window             = "03:00-04:00"
  maintenance_window        = "sun:04:30-sun:05:30"
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = "${var.name}-final"

  performance_insights_enabled          = var.performance_insights_enabled
  performance_insights_kms_key_id       = var.performance_insights_enabled ? module.key.key_arn : null
  performance_insights_retention_period = var.performance_insights_enabled ? 7 : null

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  enabled_cloudwatch_logs_exports = local.log_exports

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.this]
}
