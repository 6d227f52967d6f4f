# The contract with the bluegreen controller (`[aws] terraform_outputs` reads these names).

output "aws_region" {
  description = "Region of the stack."
  value       = local.region
}

output "app_url" {
  description = "Public HTTPS URL of the app."
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

output "listener_arn" {
  description = "Production listener whose ForwardConfig weights the controller switches."
  value       = module.alb.listener_arn
}

output "test_listener_arn" {
  description = "IP-restricted test listener the controller points at the idle colour (null without one)."
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
  description = "CloudWatch alarms watched while blue takes traffic."
  value       = module.observability.blue_alarm_names
}

output "green_alarm_names" {
  description = "CloudWatch alarms watched while green takes traffic."
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

output "ecr_repository_url" {
  description = "ECR repository the workflows push the app image to."
  value       = module.ecr.repository_url
}

output "deploy_role_arn" {
  description = "Role the deploy workflow assumes."
  value       = module.cicd.deploy_role_arn
}

output "terraform_role_arn" {
  description = "Role the terraform workflow assumes."
  value       = module.cicd.terraform_role_arn
}

output "outputs_reader_role_arn" {
  description = "Role a workflow assumes to read these outputs from the state."
  value       = module.cicd.outputs_reader_role_arn
}
