variable "name" {
  description = "Name prefix of the alarms, the dashboard and the topic, e.g. bluegreen-prod."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the ALB (LoadBalancer dimension)."
  type        = string
}

variable "blue_target_group_arn_suffix" {
  description = "ARN suffix of the blue target group (TargetGroup dimension)."
  type        = string
}

variable "green_target_group_arn_suffix" {
  description = "ARN suffix of the green target group (TargetGroup dimension)."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster name (ClusterName dimension)."
  type        = string
}

variable "blue_service_name" {
  description = "Blue ECS service name (ServiceName dimension)."
  type        = string
}

variable "green_service_name" {
  description = "Green ECS service name (ServiceName dimension)."
  type        = string
}

variable "error_rate_threshold_percent" {
  description = "Alarm when target 5xx responses exceed this percentage of a colour's requests."
  type        = number
  default     = 5
}

variable "p99_latency_threshold_seconds" {
  description = "Alarm when a colour's p99 target response time exceeds this many seconds."
  type        = number
  default     = 1.5
}

variable "evaluation_periods" {
  description = "Consecutive one-minute periods in breach before an alarm fires (the controller's bake watches these)."
  type        = number
  default     = 2
}

variable "sns_topic_enabled" {
  description = "Create an encrypted SNS topic that receives the alarm and OK notifications."
  type        = bool
  default     = false
}

variable "alarm_email" {
  description = "Email address subscribed to the topic (needs sns_topic_enabled); null subscribes nobody."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
