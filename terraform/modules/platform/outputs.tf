# The contract with the bluegreen controller, declared once: both environments re-export these
# names unchanged, `[aws] terraform_outputs` reads them, and src/bluegreen/aws/outputs.py lists
# the keys it requires (a test keeps the two in step).

################################################################################
# Read by the controller
################################################################################

output "aws_region" {
  description = "Region of the stack."
  value       = data.aws_region.current.region
}

output "app_url" {
  description = "Public URL of the service: https://<domain_name>, or http://<ALB DNS name> without a domain."
  value       = module.alb.app_url
}

output "ecs_cluster_name" {
  description = "ECS cluster of the two services."
  value       = module.ecs.cluster_name
}

output "blue_service_name" {
  description = "Blue ECS service."
  value       = module.ecs.blue_service_name
}

output "green_service_name" {
  description = "Green ECS service."
  value       = module.ecs.green_service_name
}

output "container_name" {
  description = "The service's container in the task definitions."
  value       = module.ecs.container_name
}

output "execution_role_arn" {
  description = "The tasks' execution role (a task-definition template's $${execution_role_arn})."
  value       = module.iam.task_execution_role_arn
}

output "task_role_arn" {
  description = "The tasks' own role (a task-definition template's $${task_role_arn})."
  value       = module.iam.task_role_arn
}

output "log_group_name" {
  description = "The tasks' log group (a task-definition template's $${log_group_name})."
  value       = module.ecs.log_group_name
}

output "container_port" {
  description = "The service's port (a task-definition template's $${container_port}): the one place it is set is service.port."
  value       = var.service.port
}

# The database's connection, for a task-definition template ($${db_host} ...); null (absent
# from the outputs) without a database.
output "db_host" {
  description = "The database's address."
  value       = local.database ? module.rds[0].address : null
}

output "db_port" {
  description = "The database's port."
  value       = local.database ? module.rds[0].port : null
}

output "db_name" {
  description = "The database's name."
  value       = local.database ? module.rds[0].db_name : null
}

output "db_user" {
  description = "The database's master user."
  value       = local.database ? module.rds[0].username : null
}

output "db_password_parameter_name" {
  description = "The SSM parameter holding the database password (its name; the value never leaves SSM)."
  value       = local.database ? module.rds[0].password_parameter_name : null
}

output "db_password_parameter_arn" {
  description = "The SSM parameter holding the database password (its ARN, for a container secret's valueFrom)."
  value       = local.database ? module.rds[0].password_parameter_arn : null
}

output "listener_arn" {
  description = "Production listener whose ForwardConfig weights the controller switches."
  value       = module.alb.listener_arn
}

output "test_listener_arn" {
  description = "IP-restricted test listener the controller points at the idle colour; null (absent from the outputs) without one."
  value       = module.alb.test_listener_arn
}

output "blue_target_group_arn" {
  description = "Blue target group."
  value       = module.alb.blue_target_group_arn
}

output "green_target_group_arn" {
  description = "Green target group."
  value       = module.alb.green_target_group_arn
}

output "blue_alarm_names" {
  description = "CloudWatch metric alarms watched while blue takes traffic."
  value       = module.observability.blue_alarm_names
}

output "green_alarm_names" {
  description = "CloudWatch metric alarms watched while green takes traffic."
  value       = module.observability.green_alarm_names
}

output "deploy_table_name" {
  description = "DynamoDB table of the controller's lock and history."
  value       = module.deploy_state.table_name
}

output "live_color_parameter" {
  description = "SSM parameter holding the live colour (blue or green)."
  value       = module.deploy_state.live_color_parameter_name
}

################################################################################
# Read by the workflows
################################################################################

output "ecr_repository_url" {
  description = "ECR repository the workflows push the service's image to."
  value       = module.ecr.repository_url
}

output "deploy_role_arn" {
  description = "Role the deploy, promote and rollback jobs assume."
  value       = module.cicd.deploy_role_arn
}

output "terraform_role_arn" {
  description = "Role the terraform workflow assumes."
  value       = module.terraform_role.terraform_role_arn
}

output "outputs_reader_role_arn" {
  description = "Role a workflow assumes to read these outputs from the state."
  value       = module.cicd.outputs_reader_role_arn
}
