# Staging: the low-cost mode. Tasks run in public subnets with public IPs (no NAT gateway),
# a single-AZ database without deletion protection, no access logs, no alarm topic.

locals {
  name        = "bluegreen-staging"
  environment = "staging"
  region      = "us-east-1"

  # Edit these for your account before the first apply (see terraform/README.md).
  github_repository = "example-org/bluegreen"
  domain_name       = "staging.bluegreen.example.com"
  route53_zone_id   = "Z0000000000000000000000"
  state_bucket_arn  = "arn:aws:s3:::bluegreen-terraform-state-000000000000"
  state_kms_key_arn = "arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000"
  state_key         = "bluegreen/staging/terraform.tfstate" # the backend's key in versions.tf
  app_port          = 8000

  tags = {
    Project     = "bluegreen"
    Environment = local.environment
    ManagedBy   = "terraform"
  }
}

module "networking" {
  source = "../../modules/networking"

  name                     = local.name
  az_count                 = 2
  task_egress              = "public_ip"
  app_port                 = local.app_port
  permissions_boundary_arn = module.cicd.permissions_boundary_arn
  tags                     = local.tags
}

module "ecr" {
  source = "../../modules/ecr"

  name         = "${local.name}/items-api"
  force_delete = true
  tags         = local.tags
}

module "deploy_state" {
  source = "../../modules/deploy_state"

  name                = local.name
  deletion_protection = false
  tags                = local.tags
}

module "rds" {
  source = "../../modules/rds"

  name                                = local.name
  subnet_ids                          = module.networking.database_subnet_ids
  security_group_id                   = module.networking.database_security_group_id
  multi_az                            = false
  deletion_protection                 = false
  skip_final_snapshot                 = true
  iam_database_authentication_enabled = false
  backup_retention_days               = 1
  permissions_boundary_arn            = module.cicd.permissions_boundary_arn
  tags                                = local.tags
}

module "alb" {
  source = "../../modules/alb"

  name                = local.name
  vpc_id              = module.networking.vpc_id
  subnet_ids          = module.networking.public_subnet_ids
  security_group_id   = module.networking.alb_security_group_id
  domain_name         = local.domain_name
  route53_zone_id     = local.route53_zone_id
  app_port            = local.app_port
  health_check_path   = "/ready"
  deletion_protection = false
  access_logs_enabled = false
  tags                = local.tags
}

module "iam" {
  source = "../../modules/iam"

  name                      = local.name
  ecr_repository_arn        = module.ecr.repository_arn
  log_group_arn             = module.ecs.log_group_arn
  db_password_parameter_arn = module.rds.password_parameter_arn
  db_kms_key_arn            = module.rds.kms_key_arn
  permissions_boundary_arn  = module.cicd.permissions_boundary_arn
  tags                      = local.tags
}

module "ecs" {
  source = "../../modules/ecs"

  name                          = local.name
  container_image               = "${module.ecr.repository_url}:initial"
  subnet_ids                    = module.networking.task_subnet_ids
  security_group_id             = module.networking.tasks_security_group_id
  assign_public_ip              = module.networking.assign_public_ip
  blue_target_group_arn         = module.alb.blue_target_group_arn
  green_target_group_arn        = module.alb.green_target_group_arn
  alb_arn_suffix                = module.alb.arn_suffix
  blue_target_group_arn_suffix  = module.alb.blue_target_group_arn_suffix
  green_target_group_arn_suffix = module.alb.green_target_group_arn_suffix
  task_execution_role_arn       = module.iam.task_execution_role_arn
  task_role_arn                 = module.iam.task_role_arn
  db_host                       = module.rds.address
  db_port                       = module.rds.port
  db_name                       = module.rds.db_name
  db_user                       = module.rds.username
  db_password_parameter_arn     = module.rds.password_parameter_arn
  db_password_parameter_name    = module.rds.password_parameter_name
  autoscaling_max_capacity      = 2
  app_port                      = local.app_port
  tags                          = local.tags
}

module "observability" {
  source = "../../modules/observability"

  name                          = local.name
  alb_arn_suffix                = module.alb.arn_suffix
  blue_target_group_arn_suffix  = module.alb.blue_target_group_arn_suffix
  green_target_group_arn_suffix = module.alb.green_target_group_arn_suffix
  cluster_name                  = module.ecs.cluster_name
  blue_service_name             = module.ecs.blue_service_name
  green_service_name            = module.ecs.green_service_name
  tags                          = local.tags
}

module "cicd" {
  source = "../../modules/cicd"

  name                     = local.name
  github_repository        = local.github_repository
  deploy_environment       = local.environment
  terraform_environments   = [local.environment]
  state_bucket_arn         = local.state_bucket_arn
  state_kms_key_arn        = local.state_kms_key_arn
  state_key                = local.state_key
  cluster_arn              = module.ecs.cluster_arn
  service_arns             = values(module.ecs.service_arns)
  task_definition_families = values(module.ecs.task_definition_families)
  task_role_arn            = module.iam.task_role_arn
  task_execution_role_arn  = module.iam.task_execution_role_arn
  listener_arn             = module.alb.listener_arn
  test_listener_arn        = module.alb.test_listener_arn
  alarm_arns               = module.observability.alarm_arns
  deploy_table_arn         = module.deploy_state.table_arn
  live_color_parameter_arn = module.deploy_state.live_color_parameter_arn
  ecr_repository_arn       = module.ecr.repository_arn
  tags                     = local.tags
}
