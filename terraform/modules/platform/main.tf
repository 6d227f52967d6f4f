# One environment of the platform: every module, wired output to input. The environments only
# give values; the contract with the controller is this module's outputs.tf.

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  # One provider per account, created by terraform/bootstrap; its ARN follows from its URL, so
  # nothing needs to look it up (a data source would be read during plan).
  github_oidc_provider_arn = coalesce(
    var.github.oidc_provider_arn,
    "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com",
  )

  test_listener_port = var.test_listener == null ? null : var.test_listener.port
  database           = var.database != null

  # The database, when there is one, reaches the container as DB_* variables and one secret.
  database_environment = local.database ? {
    DB_HOST               = module.rds[0].address
    DB_PORT               = tostring(module.rds[0].port)
    DB_NAME               = module.rds[0].db_name
    DB_USER               = module.rds[0].username
    DB_PASSWORD_SSM_PARAM = module.rds[0].password_parameter_name
  } : {}
  database_secrets = local.database ? { DB_PASSWORD = module.rds[0].password_parameter_arn } : {}
  # The same, for a task-definition template, under the names of this module's outputs.
  database_template_values = local.database ? {
    db_host                    = module.rds[0].address
    db_port                    = tostring(module.rds[0].port)
    db_name                    = module.rds[0].db_name
    db_user                    = module.rds[0].username
    db_password_parameter_name = module.rds[0].password_parameter_name
    db_password_parameter_arn  = module.rds[0].password_parameter_arn
  } : {}

  secrets = merge(var.service.secrets, local.database_secrets)
  # The service's own secret ARNs are known at plan time: split them by service for IAM.
  secrets_manager_arns  = [for arn in values(var.service.secrets) : arn if can(regex("^arn:[^:]+:secretsmanager:", arn))]
  secret_parameter_arns = concat([for arn in values(var.service.secrets) : arn if can(regex("^arn:[^:]+:ssm:", arn))], values(local.database_secrets))
  secret_kms_key_arns   = concat(var.service.secret_kms_key_arns, local.database ? [module.rds[0].kms_key_arn] : [])
}

################################################################################
# Network
################################################################################

module "networking" {
  source = "../networking"

  name                     = var.name
  az_count                 = var.network.az_count
  task_egress              = var.network.task_egress
  single_nat_gateway       = var.network.single_nat_gateway
  app_port                 = var.service.port
  test_listener_port       = local.test_listener_port
  test_listener_cidrs      = var.test_listener == null ? [] : var.test_listener.cidrs
  database_enabled         = local.database
  permissions_boundary_arn = module.terraform_role.permissions_boundary_arn
  tags                     = var.tags
}

################################################################################
# Images and deployment state
################################################################################

module "ecr" {
  source = "../ecr"

  name             = "${var.name}/${var.service.name}"
  keep_last_images = var.service.keep_last_images
  force_delete     = !var.deletion_protection
  tags             = var.tags
}

module "deploy_state" {
  source = "../deploy_state"

  name                = var.name
  deletion_protection = var.deletion_protection
  tags                = var.tags
}

################################################################################
# Database
################################################################################

module "rds" {
  source = "../rds"
  count  = local.database ? 1 : 0

  name                                = var.name
  instance_class                      = var.database.instance_class
  engine_major_version                = var.database.engine_major_version
  db_name                             = var.database.db_name
  username                            = var.database.username
  subnet_ids                          = module.networking.database_subnet_ids
  security_group_id                   = module.networking.database_security_group_id
  multi_az                            = var.database.multi_az
  deletion_protection                 = var.deletion_protection
  skip_final_snapshot                 = !var.deletion_protection
  iam_database_authentication_enabled = var.database.iam_authentication
  backup_retention_days               = var.database.backup_retention_days
  permissions_boundary_arn            = module.terraform_role.permissions_boundary_arn
  tags                                = var.tags
}

################################################################################
# Load balancer
################################################################################

module "alb" {
  source = "../alb"

  name                  = var.name
  vpc_id                = module.networking.vpc_id
  subnet_ids            = module.networking.public_subnet_ids
  security_group_id     = module.networking.alb_security_group_id
  app_port              = var.service.port
  health_check_path     = var.service.health_check.path
  health_check_matcher  = var.service.health_check.matcher
  health_check_interval = var.service.health_check.interval
  domain_name           = var.domain_name
  route53_zone_id       = var.route53_zone_id
  certificate_arn       = var.certificate_arn
  test_listener_port    = local.test_listener_port
  deletion_protection   = var.deletion_protection
  access_logs_enabled   = var.access_logs_enabled
  tags                  = var.tags
}

################################################################################
# Service
################################################################################

module "iam" {
  source = "../iam"

  name                         = var.name
  ecr_repository_arn           = module.ecr.repository_arn
  log_group_arn                = module.ecs.log_group_arn
  secret_parameter_arns        = local.secret_parameter_arns
  secrets_manager_arns         = local.secrets_manager_arns
  secret_kms_key_arns          = local.secret_kms_key_arns
  task_readable_parameter_arns = local.database ? [module.rds[0].password_parameter_arn] : []
  task_readable_kms_key_arns   = local.database ? [module.rds[0].kms_key_arn] : []
  task_role_policy_json        = var.service.task_role_policy_json
  permissions_boundary_arn     = module.terraform_role.permissions_boundary_arn
  tags                         = var.tags
}

module "ecs" {
  source = "../ecs"

  name                              = var.name
  container_name                    = var.service.container_name
  container_image                   = coalesce(var.service.image, "${module.ecr.repository_url}:initial")
  app_port                          = var.service.port
  command                           = var.service.command
  environment                       = merge(var.service.environment, local.database_environment)
  secrets                           = local.secrets
  container_health_check            = var.service.container_health_check
  readonly_root_filesystem          = var.service.readonly_root_filesystem
  cpu                               = var.service.cpu
  memory                            = var.service.memory
  cpu_architecture                  = var.service.cpu_architecture
  health_check_grace_period_seconds = var.service.health_check_grace_period
  task_definition_template          = var.service.task_definition_template
  task_definition_values            = var.service.task_definition_values
  task_definition_stack_values      = local.database_template_values
  subnet_ids                        = module.networking.task_subnet_ids
  security_group_id                 = module.networking.tasks_security_group_id
  assign_public_ip                  = module.networking.assign_public_ip
  blue_target_group_arn             = module.alb.blue_target_group_arn
  green_target_group_arn            = module.alb.green_target_group_arn
  alb_arn_suffix                    = module.alb.arn_suffix
  blue_target_group_arn_suffix      = module.alb.blue_target_group_arn_suffix
  green_target_group_arn_suffix     = module.alb.green_target_group_arn_suffix
  task_execution_role_arn           = module.iam.task_execution_role_arn
  task_role_arn                     = module.iam.task_role_arn
  autoscaling_max_capacity          = var.scaling.max_capacity
  cpu_target_percent                = var.scaling.cpu_target_percent
  requests_per_target               = var.scaling.requests_per_target
  tags                              = var.tags
}

################################################################################
# Alarms
################################################################################

module "observability" {
  source = "../observability"

  name                          = var.name
  alb_arn_suffix                = module.alb.arn_suffix
  blue_target_group_arn_suffix  = module.alb.blue_target_group_arn_suffix
  green_target_group_arn_suffix = module.alb.green_target_group_arn_suffix
  cluster_name                  = module.ecs.cluster_name
  blue_service_name             = module.ecs.blue_service_name
  green_service_name            = module.ecs.green_service_name
  sns_topic_enabled             = var.alarm_email != null
  alarm_email                   = var.alarm_email
  tags                          = var.tags
}

################################################################################
# GitHub Actions roles
################################################################################

# The Terraform role and the permissions boundary every other role here carries.
module "terraform_role" {
  source = "../terraform_role"

  name                     = var.name
  github_repository        = var.github.repository
  terraform_environments   = var.github.terraform_environments
  github_oidc_provider_arn = local.github_oidc_provider_arn
  state_bucket_arn         = var.state.bucket_arn
  tags                     = var.tags
}

# The Terraform role used to live in the cicd module: keep it.
moved {
  from = module.cicd.aws_iam_role.terraform
  to   = module.terraform_role.aws_iam_role.terraform
}

moved {
  from = module.cicd.aws_iam_role_policy.terraform
  to   = module.terraform_role.aws_iam_role_policy.terraform
}

moved {
  from = module.cicd.aws_iam_role_policy_attachment.terraform_power_user
  to   = module.terraform_role.aws_iam_role_policy_attachment.terraform_power_user
}

# The deploy and outputs-reader roles.
module "cicd" {
  source = "../cicd"

  name                        = var.name
  github_repository           = var.github.repository
  github_oidc_provider_arn    = local.github_oidc_provider_arn
  permissions_boundary_arn    = module.terraform_role.permissions_boundary_arn
  deploy_environments         = var.github.deploy_environments
  outputs_reader_environments = var.github.outputs_reader_environments
  state_bucket_arn            = var.state.bucket_arn
  state_key                   = var.state.key
  state_kms_key_arn           = var.state.kms_key_arn
  cluster_arn                 = module.ecs.cluster_arn
  service_arns                = values(module.ecs.service_arns)
  scalable_target_arns        = values(module.ecs.scalable_target_arns)
  task_definition_families    = values(module.ecs.task_definition_families)
  task_role_arn               = module.iam.task_role_arn
  task_execution_role_arn     = module.iam.task_execution_role_arn
  listener_arn                = module.alb.listener_arn
  test_listener_arn           = module.alb.test_listener_arn
  alarm_arns                  = module.observability.alarm_arns
  deploy_table_arn            = module.deploy_state.table_arn
  live_color_parameter_arn    = module.deploy_state.live_color_parameter_arn
  ecr_repository_arn          = module.ecr.repository_arn
  tags                        = var.tags
}
